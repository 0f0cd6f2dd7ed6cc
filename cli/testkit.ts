/** Test helpers for the commands: temp dirs, in-process runs with captured output, spawning a command. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { captureIo, type Io } from './io';

/** A fresh temp directory. */
export const tmpDir = (prefix = 's2check-'): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Run a command's main in-process; returns exit code and captured lines. */
export async function runMain(main: (argv: string[], io: Io) => Promise<number>, argv: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** Path of a file in cli/testdata. */
export const testdata = (name: string): string => path.join(__dirname, 'testdata', name);

/** Spawn `cli/<script>.ts` with ts-node (transpile only) from the repo root. */
export function spawnCli(script: string, args: string[]): ReturnType<typeof spawn> {
  const root = path.join(__dirname, '..');
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('cli', `${script}.ts`), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}
