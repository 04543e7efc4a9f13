// @nestjs/throttler is CommonJS and require()s the ESM-only @nestjs/common. Jest's module graph walker
// reports that as a require cycle when it meets @nestjs/common first (Node itself does not), so load the
// CommonJS package before any spec's graph.
import '@nestjs/throttler';
