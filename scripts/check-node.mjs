// Run before `npm start` (and the other scripts that start the service): refuses a Node.js older than
// package.json's `engines.node` minimum with one clear line, instead of a build or test failing obscurely.
// Kept to syntax every Node since 12 parses, so an old Node reaches the message.
import { readFileSync } from 'node:fs';

var pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
var minimum = String(pkg.engines && pkg.engines.node ? pkg.engines.node : '').replace(/^>=\s*/, '');

function parts(version) {
  return version
    .replace(/^v/, '')
    .split('.')
    .map(function (part) {
      return parseInt(part, 10) || 0;
    });
}

function atLeast(version, wanted) {
  var have = parts(version);
  var need = parts(wanted);
  for (var i = 0; i < 3; i++) {
    if ((have[i] || 0) !== (need[i] || 0)) return (have[i] || 0) > (need[i] || 0);
  }
  return true;
}

if (minimum && !atLeast(process.versions.node, minimum)) {
  console.error(
    'video-gen-api needs Node.js ' +
      minimum +
      ' or newer (Node 24 LTS); this is Node ' +
      process.version +
      '. Install Node 24 (https://nodejs.org/) and run the command again.',
  );
  process.exit(1);
}
