import { Injectable } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client.js';
import type { DatabaseConnection } from './database-connection.js';

export interface TransactionDefaults {
  /** Longest wait to start an interactive transaction (PGlite runs them one at a time, so bursts queue). */
  maxWait: number;
  /** Longest an interactive transaction may run before Prisma rolls it back. */
  timeout: number;
}

/** The Prisma client for whichever database DatabaseConnection opened. */
@Injectable()
export class PrismaService extends PrismaClient {
  constructor(connection: DatabaseConnection, transactions?: TransactionDefaults) {
    super({ adapter: connection.prismaAdapter(), transactionOptions: transactions });
  }
}
