import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  buildMessage,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { USER_ID_PATTERN } from '../common/user-id.js';
import { IsUserId, USER_ID_RULE } from '../auth/user-id.validator.js';
import type * as Contract from '../common/api-contract.js';
import { IsCursor } from '../common/cursor.js';
import { CreditEntryType } from '../generated/prisma/client.js';
import { creditsToJson, parseCredits } from './credit-amount.js';
import type { CreditLedgerEntry } from './credits.service.js';
import { LEDGER_DEFAULT_LIMIT, LEDGER_MAX_LIMIT } from './credits.service.js';

/** A positive number (or decimal string) of credits with at most one decimal place, within Decimal(14,1). */
export function IsCreditAmount(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCreditAmount',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'number' && typeof value !== 'string') return false;
          try {
            parseCredits(value);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a positive number of credits with at most one decimal place (at most 9999999999999.9)`,
        ),
      },
    },
    options,
  );
}

export class LedgerQueryDto {
  @ApiPropertyOptional({ description: '`nextCursor` from the previous page' })
  // Checked bottom-up, first failure only (stopAtFirstError): the type check sits next to the property.
  @IsOptional()
  @IsCursor()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: LEDGER_MAX_LIMIT, default: LEDGER_DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @Max(LEDGER_MAX_LIMIT)
  @Min(1)
  @IsInt()
  limit?: number;
}

export class GrantCreditsDto {
  @ApiProperty({
    description: `JWT subject of the account to credit (created on first use): ${USER_ID_RULE}`,
    example: 'alice',
    pattern: USER_ID_PATTERN.source,
  })
  @IsUserId()
  @IsString()
  @IsNotEmpty()
  userId!: string;

  @ApiProperty({
    description: 'Credits to add: positive, at most one decimal place; a JSON number or a decimal string',
    example: 750,
    oneOf: [{ type: 'number' }, { type: 'string', example: '750.5' }],
  })
  @IsCreditAmount()
  amount!: number | string;

  @ApiProperty({ description: 'Shown in the user’s ledger', example: 'Support goodwill credit' })
  @MaxLength(500)
  @IsString()
  @IsNotEmpty()
  reason!: string;
}

const CREDITS_NUMBER =
  'Credits as a JSON number with at most one decimal place (a balance of 150.0 is sent as 150)';

export class BalanceDto implements Contract.Balance {
  @ApiProperty({ description: CREDITS_NUMBER, example: 150 })
  balance!: number;
}

export class LedgerEntryDto implements Contract.LedgerEntry {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: CreditEntryType }) type!: CreditEntryType;
  @ApiProperty({
    description: `Change to the balance: GRANT and REFUND positive, RESERVE negative, CAPTURE 0 (the reservation already took the credits). ${CREDITS_NUMBER}`,
    example: -750,
  })
  amount!: number;
  @ApiProperty({ description: `Balance right after this entry. ${CREDITS_NUMBER}`, example: 150 })
  balanceAfter!: number;
  @ApiProperty({ example: 'Generation with veo3' }) reason!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) generationId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class LedgerPageDto implements Contract.LedgerPage {
  @ApiProperty({ type: [LedgerEntryDto], description: 'Newest first' })
  entries!: LedgerEntryDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null at the end',
  })
  nextCursor!: string | null;
}

export class GrantResultDto implements Contract.GrantResult {
  @ApiProperty() userId!: string;
  @ApiProperty({ description: `New balance. ${CREDITS_NUMBER}`, example: 900 })
  balance!: number;
  @ApiProperty({ type: LedgerEntryDto }) entry!: LedgerEntryDto;
}

export function toLedgerEntryDto(entry: CreditLedgerEntry): LedgerEntryDto {
  return {
    id: entry.id,
    type: entry.type,
    amount: creditsToJson(entry.amount),
    balanceAfter: creditsToJson(entry.balanceAfter),
    reason: entry.reason,
    generationId: entry.generationId,
    createdAt: entry.createdAt.toISOString(),
  };
}
