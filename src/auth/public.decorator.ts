import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'auth:isPublic';

/** Opts a route (or a whole controller) out of authentication. Every other route requires a Bearer token. */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
