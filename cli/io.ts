/** Command plumbing: output sinks, exit codes, and the one-line error rule (exit 2, no stack trace). */
import { Command, CommanderError } from 'commander';
import { S2InputError } from '../model/types';

/** Where a command writes; tests pass a capturing Io instead of the process streams. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Progress bars and prompts only on a terminal. */
  readonly isTTY: boolean;
}

/** Exit codes of every command. */
export const EXIT = { clean: 0, found: 1, usage: 2 } as const;

/** The process's own streams. */
export const processIo: Io = {
  out: (l) => void process.stdout.write(`${l}\n`),
  err: (l) => void process.stderr.write(`${l}\n`),
  isTTY: Boolean(process.stdout.isTTY && process.stderr.isTTY),
};

/** A capturing Io for tests. */
export function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}

/** Make a commander program report through `io` and throw instead of exiting. */
export function configure(program: Command, io: Io): Command {
  return program
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showHelpAfterError(false);
}

/**
 * Run `body` and map failures to exit codes: bad input (S2InputError, commander usage errors) is
 * one line on stderr and 2; `--help` is 0; anything else is an s2check bug and keeps its stack.
 */
export async function guard(io: Io, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.clean;
      return EXIT.usage; // commander already wrote its one line through writeErr
    }
    if (e instanceof S2InputError) {
      io.err(`error: ${e.message.split('\n')[0]}`);
      return EXIT.usage;
    }
    throw e;
  }
}

/** Entry point helper: run `main(argv, io)` and set the process exit code. */
export function runAsScript(main: (argv: string[], io: Io) => Promise<number>): void {
  main(process.argv.slice(2), processIo).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { process.stderr.write(`s2check internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`); process.exitCode = 3; },
  );
}
