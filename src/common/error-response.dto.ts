import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ErrorBody } from './api-contract.js';

/** Every error's body, in this key order (written by AllExceptionsFilter). */
export class ErrorResponseDto implements ErrorBody {
  @ApiProperty({ example: 400 }) statusCode!: number;

  @ApiProperty({
    description: 'What went wrong and what to do next; validation errors list one message per invalid field',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['prompt should not be empty'],
  })
  message!: string | string[];

  @ApiProperty({ description: 'The HTTP status name', example: 'Bad Request' }) error!: string;

  @ApiPropertyOptional({
    description:
      'Only on 5xx: quote it when reporting a problem; the log line with the cause carries the same id',
    format: 'uuid',
  })
  errorId?: string;
}
