import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config.js';
import { loadOrCreateDevSecret } from './dev-secret.js';
import { Public } from './public.decorator.js';
import { isUsableUserId } from '../common/user-id.js';
import { signAccessToken } from './token-signer.js';

/** Short enough that a token copied out of a development browser is soon useless. */
export const DEV_TOKEN_TTL_SECONDS = 30 * 60;

export interface DevToken {
  token: string;
  expiresAt: string;
}

/**
 * The page's "Dev sign-in": the same token `npm run token` prints, for zero-config development only. With
 * JWT_SECRET or JWT_JWKS_URL set, or in production, there is no development secret and this route is a 404.
 */
@ApiTags('auth')
@Controller('auth')
export class DevTokenController {
  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  @Public()
  @Post('dev-token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Development only: a 30-minute token for any user name (404 unless zero-config development)',
  })
  // `unknown`, not a DTO: the global validation pipe would otherwise answer a 400 where there is no route.
  async issue(@Body() body: unknown): Promise<DevToken> {
    const secretFile = this.config.auth.devSecretFile;
    if (!secretFile) throw new NotFoundException('Cannot POST /auth/dev-token');
    const sub = (body as { sub?: unknown } | undefined)?.sub;
    if (!isUsableUserId(sub)) {
      throw new BadRequestException(
        'sub must be a user name of 1 to 128 letters, digits and . _ @ | : + = - (starting with a letter or digit)',
      );
    }
    const { auth } = this.config;
    const token = await signAccessToken(await loadOrCreateDevSecret(secretFile), {
      sub,
      ttl: `${DEV_TOKEN_TTL_SECONDS}s`,
      issuer: auth.issuer,
      audience: auth.audience?.[0],
      rolesClaim: auth.rolesClaim,
    });
    return { token, expiresAt: new Date(Date.now() + DEV_TOKEN_TTL_SECONDS * 1000).toISOString() };
  }
}
