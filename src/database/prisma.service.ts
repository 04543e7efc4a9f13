import { Injectable } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client.js';
import type { DatabaseConnection } from './database-connection.js';

/** The Prisma client for whichever database DatabaseConnection opened. */
@Injectable()
export class PrismaService extends PrismaClient {
  constructor(connection: DatabaseConnection) {
    super({ adapter: connection.prismaAdapter() });
  }
}
