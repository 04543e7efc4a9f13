import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOperation,
  ApiProperty,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { WebhookDeliveryView, WebhookPayloadView } from '../video-gen/generation-events.js';
import { WebhooksService } from './webhooks.service.js';

export class WebhookSecretResponse {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Verify webhook-signature with it',
  })
  secret!: string;
}

export class RotatedSecretResponse extends WebhookSecretResponse {
  @ApiProperty({ description: 'Until then deliveries are signed with the old secret too (space-separated)' })
  previousValidUntil!: string;
}

/**
 * Webhooks follow the Standard Webhooks spec (https://www.standardwebhooks.com): each POST carries
 * `webhook-id` (the same on every retry), `webhook-timestamp` (seconds) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256>`, several separated by spaces during a rotation).
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiExtraModels(WebhookPayloadView)
@ApiErrors(401, 429, 503)
@Controller('webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Get('secret')
  @ApiOperation({
    summary: 'Your webhook signing secret (created on first use)',
    description:
      'Webhooks are POSTed to the webhookUrl given at create with the JSON body ' +
      `${getSchemaPath(WebhookPayloadView)} and the Standard Webhooks headers: webhook-id (msg_…, the same on ` +
      'every retry), webhook-timestamp (Unix seconds) and webhook-signature (v1,<base64 HMAC-SHA256 of ' +
      '"<id>.<timestamp>.<body>"> with this secret; two, space-separated, for 24 h after a rotation). ' +
      'Any 2xx answer within 10 s counts as delivered; redirects are not followed.',
  })
  @ApiResponse({ status: 200, type: WebhookSecretResponse })
  async secret(@CurrentUser() user: AuthUser): Promise<WebhookSecretResponse> {
    return { secret: await this.webhooks.secret(user.id) };
  }

  @Post('secret/rotate')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'A new signing secret; the old one keeps verifying for 24 hours' })
  @ApiResponse({ status: 200, type: RotatedSecretResponse })
  rotate(@CurrentUser() user: AuthUser): Promise<RotatedSecretResponse> {
    return this.webhooks.rotate(user.id);
  }

  @Post('deliveries/:id/redeliver')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Send a delivery again now (same webhook-id); answers the delivery with its attempts',
  })
  @ApiResponse({ status: 200, type: WebhookDeliveryView })
  @ApiErrors([404, 'No such delivery of yours'])
  redeliver(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<WebhookDeliveryView> {
    return this.webhooks.redeliver(user.id, id);
  }
}
