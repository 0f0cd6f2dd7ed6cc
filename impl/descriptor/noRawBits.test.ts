/**
 * Raw descriptor bits live only in impl/descriptor/ (style-anchors "What our harness should absorb" §1,
 * §5): scans the tree's TypeScript ASTs for bits.ts imports, bit operations on descriptor words in
 * impl/, and any bit operation in model/ (except model/host/).
 */
import * as fs from 'fs';
import * as path from 'path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const SCANNED = ['impl', 'model', 'properties', 'reports', 'cli', 'bench'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'coverage']);
const BITS = path.join(ROOT, 'impl', 'descriptor', 'bits');

const BITWISE_BINARY = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.LessThanLessThanToken, ts.SyntaxKind.GreaterThanGreaterThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  ts.SyntaxKind.AmpersandEqualsToken, ts.SyntaxKind.BarEqualsToken, ts.SyntaxKind.CaretEqualsToken,
  ts.SyntaxKind.LessThanLessThanEqualsToken, ts.SyntaxKind.GreaterThanGreaterThanEqualsToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
]);
/** Names a descriptor word goes by: lo, hi, pte, desc, entry, old, new, and xxxLo/xxxHi/xxxPte/xxxDesc/xxxEntry. */
const DESC_WORD = /^(?:lo|hi|pte|desc|entry|old|new|[a-z][A-Za-z0-9]*(?:Lo|Hi|Pte|Desc|Entry))$/;

type Rule = 'bitsImport' | 'descriptorBitOp' | 'anyBitOp';
interface Finding { file: string; line: number; rule: Rule; text: string }

/** Strip parentheses, `as`, `!` and `<T>` wrappers. */
function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) {
    e = e.expression;
  }
  return e;
}

/** A hex/binary/octal literal (a "raw mask") or something named like a descriptor word. */
function isRawOperand(e: ts.Expression, sf: ts.SourceFile): boolean {
  const u = unwrap(e);
  if (ts.isPrefixUnaryExpression(u) && u.operator === ts.SyntaxKind.MinusToken) return isRawOperand(u.operand, sf);
  if (ts.isNumericLiteral(u)) return /^0[xXbBoO]/.test(u.getText(sf));
  if (ts.isIdentifier(u)) return DESC_WORD.test(u.text);
  if (ts.isPropertyAccessExpression(u)) return DESC_WORD.test(u.name.text);
  return false;
}

/** Resolve an import specifier to an extension-less absolute path (relative specifiers only). */
const resolveSpec = (file: string, spec: string): string =>
  spec.startsWith('.') ? path.resolve(path.dirname(file), spec).replace(/\.(ts|js)$/, '').replace(/[\\/]index$/, '') : spec;

/** Scan one source text. `rules` selects which checks apply to this file. */
function scanSource(file: string, text: string, rules: ReadonlySet<Rule>): Finding[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Finding[] = [];
  const add = (node: ts.Node, rule: Rule): void => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ file, line, rule, text: node.getText(sf).replace(/\s+/g, ' ').slice(0, 80) });
  };
  const checkSpec = (node: ts.Node, spec: ts.Expression | undefined): void => {
    if (!rules.has('bitsImport') || spec === undefined || !ts.isStringLiteralLike(spec)) return;
    const r = resolveSpec(file, spec.text);
    if (r === BITS || /(^|\/)impl\/descriptor\/bits(\.ts)?$/.test(r)) add(node, 'bitsImport');
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) checkSpec(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) checkSpec(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      checkSpec(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) checkSpec(node, node.argument.literal);
    const binary = ts.isBinaryExpression(node) && BITWISE_BINARY.has(node.operatorToken.kind);
    const tilde = ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.TildeToken;
    if (binary || tilde) {
      if (rules.has('anyBitOp')) add(node, 'anyBitOp');
      const operands = binary ? [node.left, node.right] : tilde ? [node.operand] : [];
      if (rules.has('descriptorBitOp') && operands.some((o) => isRawOperand(o, sf))) add(node, 'descriptorBitOp');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every .ts file under the scanned roots, as paths relative to the project root with '/'. */
function listTs(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && !SKIP_DIRS.has(e.name)) walk(p);
      else if (e.isFile() && e.name.endsWith('.ts')) out.push(path.relative(ROOT, p).split(path.sep).join('/'));
    }
  };
  for (const d of SCANNED) walk(path.join(ROOT, d));
  return out.sort();
}

/** Rules that apply to a project-relative path. */
function rulesFor(rel: string): Set<Rule> {
  const rules = new Set<Rule>();
  if (rel.startsWith('impl/descriptor/')) return rules;
  rules.add('bitsImport');
  if (rel.startsWith('impl/')) rules.add('descriptorBitOp');
  if (rel.startsWith('model/') && !rel.startsWith('model/host/')) rules.add('anyBitOp');
  return rules;
}

const show = (f: Finding): string => `${f.file}:${f.line}: ${f.text}`;

describe('the checker itself can fail (heuristic unit tests)', () => {
  const impl = new Set<Rule>(['bitsImport', 'descriptorBitOp']);
  const fake = (rel: string, src: string, rules: ReadonlySet<Rule> = rulesFor(rel)): Finding[] => scanSource(path.join(ROOT, rel), src, rules);

  it('flags imports of impl/descriptor/bits in every form', () => {
    const src = [
      "import { S2_LO_AF } from '../descriptor/bits';",
      "import * as B from '../descriptor/bits.ts';",
      "export * from '../descriptor/bits';",
      "const b = require('../descriptor/bits');",
      "async function f() { return import('../descriptor/bits'); }",
      "type T = typeof import('../descriptor/bits');",
      "import { encode } from '../descriptor/codec';",
    ].join('\n');
    expect(fake('impl/ops/map.ts', src).filter((f) => f.rule === 'bitsImport').map((f) => f.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fake('model/x.ts', "import '../impl/descriptor/bits';").map((f) => f.rule)).toEqual(['bitsImport']);
    expect(fake('impl/descriptor/codec.ts', "import * as B from './bits';")).toEqual([]);
  });

  it('flags bit operations on hex literals and descriptor-named words in impl/', () => {
    const bad = [
      'const a = lo & 0x400;', 'const b = x | 0x3;', 'const c = oldLo ^ newLo;', 'const d = entry.hi >>> 22;',
      'const e = ~pte;', 'w |= 0b11;', 'lo |= mask;', 'const f = (addr & ~0xfff) >>> 0;', 'const g = (desc as number) << 2;',
      'const h = 1 << 0x4;', 'const i = -0x1 & q;', 'const j = old >> 1;', 'const k = leafHi & m;',
    ];
    for (const src of bad) {
      expect([src, fake('impl/walker.ts', src, impl).some((f) => f.rule === 'descriptorBitOp')]).toEqual([src, true]);
    }
    const found = fake('impl/pool.ts', 'const ok = 1;\n\nconst v = lo & 0x400;', impl);
    expect(found.map(show)).toEqual([`${path.join(ROOT, 'impl/pool.ts')}:3: lo & 0x400`]);
  });

  it('passes clean code: codec calls, unions, logical operators, bit ops on non-descriptor names', () => {
    const clean = [
      "import { encode, isValid } from '../descriptor/codec';", "type K = 'a' | 'b' | 'c';", 'const u = a || b && !c;',
      'const v = x ?? y;', 'const w = idx >>> 0;', 'const z = (i | 0) + (n << 1);', 'const h = 0x1000 * 2;',
      'if (isValid(lo)) encode(d, ctx);', 'const f = (p: number): boolean => p >= 1 && p <= 2;', 'const lo2 = page % 512;',
    ].join('\n');
    expect(fake('impl/walker.ts', clean, impl)).toEqual([]);
  });

  it('model/ rule: no bit operations at all, but type unions and logical operators are fine', () => {
    expect(fake('model/s2.ts', "type K = 'a' | 'b';\nconst t = a || b && c;\nconst s = x ?? 1;")).toEqual([]);
    const bad = fake('model/s2.ts', 'const a = x >> 1;\nconst b = ~y;\nc &= d;\nconst e = f | g;');
    expect(bad.filter((f) => f.rule === 'anyBitOp').map((f) => f.line)).toEqual([1, 2, 3, 4]);
    expect(rulesFor('model/host/mm.ts').has('anyBitOp')).toBe(false);
    expect(rulesFor('impl/descriptor/x.ts').size).toBe(0);
    expect(rulesFor('properties/p.test.ts')).toEqual(new Set(['bitsImport']));
  });
});

describe('the tree keeps raw descriptor bits inside impl/descriptor/', () => {
  const files = listTs();
  const findings = files.flatMap((rel) => scanSource(path.join(ROOT, rel), fs.readFileSync(path.join(ROOT, rel), 'utf8'), rulesFor(rel))
    .map((f) => ({ ...f, file: rel })));
  const offenders = (rule: Rule): string[] => findings.filter((f) => f.rule === rule).map(show);

  it('scans the project (not vacuous)', () => {
    expect(files).toEqual(expect.arrayContaining(['impl/geometry.ts', 'model/types.ts', 'impl/descriptor/codec.ts']));
  });
  it('(a) no file outside impl/descriptor/ imports impl/descriptor/bits', () => {
    expect(offenders('bitsImport')).toEqual([]);
  });
  it('(b) no bit operation on a hex literal or descriptor word in impl/ outside impl/descriptor/', () => {
    expect(offenders('descriptorBitOp')).toEqual([]);
  });
  it('(c) model/ (except model/host/) uses no bit operations at all', () => {
    expect(offenders('anyBitOp')).toEqual([]);
  });
});
