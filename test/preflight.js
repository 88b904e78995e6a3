#!/usr/bin/env node
/**
 * What `npm test` needs from the machine, checked before anything runs: one line naming what is
 * missing and the one command that installs it, instead of dozens of failing suites.
 */
const { existsSync } = require("node:fs");
const net = require("node:net");

const url = new URL(process.env.KEYFORM_TEST_MYSQL_URL || "mysql://root@127.0.0.1:3306");
const CHROMIUM = "/usr/bin/chromium";

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function main() {
  const problems = [];
  if (!(await reachable(url.hostname, url.port || 3306))) {
    problems.push(
      `MySQL/MariaDB is not reachable at ${url.hostname}:${url.port || 3306} (KEYFORM_TEST_MYSQL_URL): install and start it with \`sudo apt-get install -y mariadb-server && sudo service mariadb start\` (or run \`bash .ci/run\`, which does everything CI does)`,
    );
  }
  if (!existsSync(CHROMIUM)) {
    problems.push(`Chromium is not installed at ${CHROMIUM} (the console's browser tests): install it with \`sudo apt-get install -y chromium\``);
  }
  for (const p of problems) console.error(`npm test: ${p}`);
  process.exitCode = problems.length ? 1 : 0;
}

main();
