import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { PrismaService } from '../../database/prisma.service.js';

const PREFIX = 'vgst_';

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Short-lived tokens that open ONE generation's event stream without an Authorization header (a browser's
 * EventSource cannot send one). Opaque random strings, not JWTs, so no Bearer check can ever accept them;
 * only their SHA-256 is stored, so the table leaks nothing usable.
 */
@Injectable()
export class StreamTokensRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async issue(userId: string, generationId: string): Promise<{ token: string; expiresAt: string }> {
    const token = PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.events.streamTokenTtlSeconds * 1000);
    await this.prisma.streamToken.create({
      data: { tokenHash: hashOf(token), generationId, userId, expiresAt },
    });
    // Expired tokens are useless; clearing them here keeps the table small without a schedule.
    await this.prisma.streamToken.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - 60_000) } } });
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /** The owner's user id when `token` is a live token for `generationId`; undefined otherwise. */
  async verify(token: string, generationId: string): Promise<string | undefined> {
    if (!token.startsWith(PREFIX) || token.length > 100) return undefined;
    const row = await this.prisma.streamToken.findUnique({ where: { tokenHash: hashOf(token) } });
    if (!row || row.generationId !== generationId || row.expiresAt.getTime() <= Date.now()) return undefined;
    return row.userId;
  }
}
