import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config.js';
import { AuthController } from './auth.controller.js';
import { DevTokenController } from './dev-token.controller.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { createJwtKeys, JwtKeys } from './jwt-keys.js';
import { JwtStrategy } from './jwt.strategy.js';
import { RolesGuard } from './roles.guard.js';
import { UserThrottlerGuard } from './user-throttler.guard.js';

/**
 * Authentication for every route: a Bearer JWT is required unless the route is @Public, the caller is
 * rate-limited, and @Roles is enforced. Guards run in the order they are listed here.
 */
@Module({
  imports: [
    PassportModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ ttl: config.security.throttleTtlMs, limit: config.security.throttleLimit }],
      }),
    }),
  ],
  controllers: [AuthController, DevTokenController],
  providers: [
    { provide: JwtKeys, inject: [AppConfig], useFactory: (config: AppConfig) => createJwtKeys(config.auth) },
    JwtStrategy,
    UserThrottlerGuard,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
})
export class AuthModule {}
