import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { creditsToJson } from './credit-amount.js';
import { GrantCreditsDto, GrantResultDto, toLedgerEntryDto } from './credits.dto.js';
import { CreditsService } from './credits.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/credits')
export class AdminCreditsController {
  constructor(@Inject(CreditsService) private readonly credits: CreditsService) {}

  @Post('grant')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add credits to a user’s account (JWT role "admin"); writes a GRANT ledger entry',
  })
  @ApiCreatedResponse({ type: GrantResultDto })
  @ApiErrors(
    [400, 'An invalid userId (the rule for a token’s sub), amount or reason; nothing was granted'],
    401,
    [403, 'The caller’s token does not carry the admin role'],
    429,
    503,
  )
  async grant(@Body() body: GrantCreditsDto): Promise<GrantResultDto> {
    const { balance, entry } = await this.credits.grant(body.userId, body.amount, body.reason);
    return { userId: body.userId, balance: creditsToJson(balance), entry: toLedgerEntryDto(entry) };
  }
}
