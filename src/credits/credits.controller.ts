import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { creditsToJson } from './credit-amount.js';
import { BalanceDto, LedgerPageDto, LedgerQueryDto, toLedgerEntryDto } from './credits.dto.js';
import { CreditsService } from './credits.service.js';

@ApiTags('credits')
@ApiBearerAuth()
@ApiErrors(401, 429, 503)
@Controller('credits')
export class CreditsController {
  constructor(@Inject(CreditsService) private readonly credits: CreditsService) {}

  @Get('balance')
  @ApiOperation({ summary: 'The caller’s credit balance (a new account starts with INITIAL_CREDITS)' })
  @ApiOkResponse({ type: BalanceDto })
  async balance(@CurrentUser() user: AuthUser): Promise<BalanceDto> {
    return { balance: creditsToJson(await this.credits.balance(user.id)) };
  }

  @Get('ledger')
  @ApiOperation({ summary: 'The caller’s ledger entries, newest first, cursor-paginated' })
  @ApiOkResponse({ type: LedgerPageDto })
  @ApiErrors([400, 'An invalid cursor or limit'])
  async ledger(@CurrentUser() user: AuthUser, @Query() query: LedgerQueryDto): Promise<LedgerPageDto> {
    const page = await this.credits.ledger(user.id, { cursor: query.cursor, limit: query.limit });
    return { entries: page.entries.map(toLedgerEntryDto), nextCursor: page.nextCursor };
  }
}
