import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator.js';
import type { AuthUser } from './auth-user.js';
import { CurrentUser } from './current-user.decorator.js';

@ApiTags('auth')
@ApiBearerAuth()
@ApiErrors(401, 429, 503)
@Controller('auth')
export class AuthController {
  @Get('me')
  @ApiOperation({ summary: 'The caller as the service sees them: user id (JWT subject) and roles' })
  me(@CurrentUser() user: AuthUser): AuthUser {
    return { id: user.id, roles: user.roles };
  }
}
