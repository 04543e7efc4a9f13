import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config.js';
import type { AuthUser } from './auth-user.js';
import { JwtKeys } from './jwt-keys.js';
import { userFromClaims } from './token-claims.js';

/** passport-jwt verifies signature, algorithm, expiry, not-before, issuer and audience; we map claims to a user. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(JwtKeys) keys: JwtKeys,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (
        _request: Request,
        rawToken: string,
        done: (error: unknown, key?: string | Buffer) => void,
      ) => {
        keys.keyFor(rawToken).then(
          (key) => done(null, key as string),
          (error: unknown) => done(error),
        );
      },
      algorithms: keys.algorithms,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.auth.clockToleranceSeconds },
    });
  }

  validate(claims: Record<string, unknown>): AuthUser {
    const user = userFromClaims(claims, this.config.auth.rolesClaim);
    if ('problem' in user) {
      throw new UnauthorizedException(
        user.problem === 'subject'
          ? 'Token subject (sub) must be a user id of letters, digits and . _ @ | : + = -'
          : 'Token must carry an expiry (exp)',
      );
    }
    return user;
  }
}
