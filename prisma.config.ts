import { defineConfig } from 'prisma/config';

// The CLI needs a URL only for `prisma migrate`/`studio` on a connected machine; the service itself
// connects through a driver adapter chosen in src/database (PostgreSQL or embedded PGlite).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/postgres' },
});
