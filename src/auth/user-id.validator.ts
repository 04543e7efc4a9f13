import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';
import { isUsableUserId } from '../common/user-id.js';

export const USER_ID_RULE =
  '1 to 128 characters: a letter or digit, then letters, digits and . _ @ | : + = - (the rule for a token’s sub)';

/**
 * A user id a token could carry as `sub` (the same check as the JWT strategy's), for bodies that name a user:
 * an id no token can carry would create an account nobody can use, and ids become storage prefixes.
 */
export function IsUserId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUserId',
      validator: {
        validate: (value: unknown) => isUsableUserId(value),
        defaultMessage: buildMessage((each) => `${each}$property must be a user id: ${USER_ID_RULE}`),
      },
    },
    options,
  );
}
