// The npm registry mirror our build machines reach does not serve every platform's prebuilt binary
// package (for example @swc/core-darwin-arm64), so a lockfile written here lacks their entries and
// `npm ci` then refuses it. This adds a lockfile entry, with os/cpu taken from the package name, for
// every optional platform package a locked package declares but the lockfile lacks. On a machine of
// that platform npm installs it from the registry as usual; everywhere else npm skips it.
// Run after `npm install`: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'];

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const parentDir = path.replace(/node_modules\/(@[^/]+\/)?[^/]+$/, '');
    const nested = `${path}/node_modules/${name}`;
    const hoisted = `${parentDir}node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[hoisted] || lock.packages[`node_modules/${name}`]) continue;
    const parts = name.split('/').pop().split('-');
    const os = OS.find((o) => parts.includes(o));
    const cpu = CPU.find((c) => parts.includes(c)) ?? (parts.includes('arm') ? 'arm' : undefined);
    if (!os || !cpu) continue; // not a platform binary package: leave it for npm to report
    const libc = parts.some((p) => p.startsWith('musl'))
      ? ['musl']
      : parts.includes('gnu') || parts.some((p) => p.startsWith('gnueabi'))
        ? ['glibc']
        : undefined;
    lock.packages[`node_modules/${name}`] = {
      version: String(version).replace(/^[\^~=]/, ''),
      optional: true,
      ...(entry.dev ? { dev: true } : {}),
      os: [os],
      cpu: [cpu],
      ...(libc && os === 'linux' ? { libc } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform package entr${added === 1 ? 'y' : 'ies'}`);
