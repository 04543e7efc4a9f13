// The service plus the benchmark's baseline endpoints (bench/http/baseline.controller.ts), started like
// src/main.ts with the environment it is given. Used by the create-generation throughput benchmark only.
import 'reflect-metadata';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';
import { BaselineModule } from './baseline.controller.js';

const config = loadConfig(process.env);
const app = await createApp(config, [BaselineModule]);
app.enableShutdownHooks();
await app.listen(config.port, config.host);
