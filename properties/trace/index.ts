/** Public entry of the trace format: schema, parse, canonical codec, outcome ↔ expect. */
export * from './schema';
export * from './vocab';
export { TraceError, parseTrace, parseTraceText, parseJsonText, issueText } from './parse';
export { serialize, decodeStep, encodeStep, HEX_FIELDS, type Step, type StepOf } from './codec';
export { outcomeToExpect, expectToOutcome, expectMismatch } from './expect';
export { toHex, fromHex, hexProblem } from './hex';
