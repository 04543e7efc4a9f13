import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnection } from './database-connection.js';
import { migrate } from './migrator.js';
import { PrismaService } from './prisma.service.js';

/** The one database connection (migrated at start-up) and the Prisma client on top of it. */
@Module({
  providers: [
    {
      provide: DatabaseConnection,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const logger = new Logger('Database');
        const connection = await DatabaseConnection.open(config.database);
        const result = await migrate(connection);
        for (const name of result.modified) {
          logger.warn(`Migration ${name} changed after it was applied; it was not re-run.`);
        }
        logger.log(
          `${connection.describe()}: ${result.applied.length} migration(s) applied, ${result.alreadyApplied.length} already present`,
        );
        return connection;
      },
    },
    {
      provide: PrismaService,
      inject: [DatabaseConnection, AppConfig],
      useFactory: async (connection: DatabaseConnection, config: AppConfig) => {
        const prisma = new PrismaService(connection, {
          maxWait: config.database.transactionMaxWaitMs,
          timeout: config.database.transactionTimeoutMs,
        });
        // Loads the query compiler now, so a broken install fails start-up rather than the first request.
        await prisma.$connect();
        return prisma;
      },
    },
  ],
  exports: [DatabaseConnection, PrismaService],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(DatabaseConnection) private readonly connection: DatabaseConnection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
    await this.connection.close();
  }
}
