// Puts Segment's Courier (Actions) destination in .cache/courier-destination/.
//
// `npm install @segment/action-destinations` cannot work here (one of its pinned transitive
// dependencies is not served), and the Courier destination needs only @segment/actions-core,
// which package.json installs. So this takes the pinned package tarball with `npm pack`,
// checks it against the pinned integrity, and extracts only dist/destinations/courier.
// Running it again is a no-op once the folder matches the pinned version.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pin = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).courierDestination;
const cacheDir = path.join(root, '.cache', 'courier-destination');
const stamp = path.join(cacheDir, 'VERSION');
const spec = `${pin.package}@${pin.version}`;

if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === spec && existsSync(path.join(cacheDir, 'index.js'))) {
  process.exit(0);
}

const work = mkdtempSync(path.join(tmpdir(), 'courier-destination-'));
try {
  const out = execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], {
    cwd: work,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [{ filename }] = JSON.parse(out);
  const tarball = path.join(work, path.basename(filename));
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (integrity !== pin.integrity) {
    throw new Error(`${spec}: integrity ${integrity} does not match the pinned ${pin.integrity}`);
  }
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  // package/dist/destinations/courier/<files> -> cacheDir/<files>
  execFileSync('tar', ['-xzf', tarball, '-C', cacheDir, '--strip-components=4', 'package/dist/destinations/courier'], {
    stdio: 'inherit',
  });
  if (!existsSync(path.join(cacheDir, 'index.js'))) throw new Error(`${spec} has no dist/destinations/courier/index.js`);
  // The files are CommonJS; without this the "type": "module" of clients/node would apply.
  writeFileSync(path.join(cacheDir, 'package.json'), '{"type": "commonjs"}\n');
  writeFileSync(stamp, `${spec}\n`);
  console.log(`fetched ${spec} dist/destinations/courier into ${path.relative(root, cacheDir)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
