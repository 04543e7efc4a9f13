/** Thrown while choosing the verification key: the token is refused (401) before its signature is checked. */
export class TokenRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

/** The identity provider's key set could not be fetched: the token may be fine, so this is a 503, not a 401. */
export class KeySetUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeySetUnavailableError';
  }
}

/**
 * The 401 message for a refused token, from passport-jwt's or jsonwebtoken's failure. Messages name the
 * kind of problem only: never the expected issuer, audience or key.
 */
export function describeTokenRejection(failure: unknown): string {
  if (!(failure instanceof Error)) return 'Invalid bearer token';
  const message = failure.message;
  if (failure instanceof TokenRejectedError) return message;
  if (failure.name === 'TokenExpiredError') return 'Token has expired';
  if (failure.name === 'NotBeforeError') return 'Token is not valid yet';
  if (message === 'No auth token') return 'Missing bearer token: send Authorization: Bearer <JWT>';
  if (message === 'jwt signature is required') return 'Unsigned tokens are not accepted';
  if (message === 'invalid signature') return 'Token signature is invalid';
  if (message === 'invalid algorithm' || /^secretOrPublicKey must be an? (a)?symmetric key/.test(message)) {
    return 'Token is signed with an algorithm this service does not accept';
  }
  if (message.startsWith('jwt audience invalid')) return 'Token audience is not accepted';
  if (message.startsWith('jwt issuer invalid')) return 'Token issuer is not accepted';
  if (message === 'invalid exp value' || message === 'invalid nbf value')
    return 'Token has invalid time claims';
  return 'Malformed bearer token';
}
