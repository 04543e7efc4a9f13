/** The request header that makes a create safe to repeat: the API, its CORS rule, the CLI and the page send it. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
