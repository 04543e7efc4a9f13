import 'reflect-metadata';
import { loadConfig } from '../config/app-config.js';
import { runTokenCommand } from './token-command.js';

const result = await runTokenCommand(process.argv.slice(2), () => loadConfig());
if (result.output) console.log(result.output);
if (result.error) console.error(result.error);
process.exitCode = result.exitCode;
