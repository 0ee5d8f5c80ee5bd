/**
 * How a long compiler run says what it is doing, for a person watching (the CLI's progress line):
 * a label per step, with a count when the step has countable parts. Optional everywhere; the
 * compiler never prints, and a listener must not throw.
 */
export type StepListener = (label: string, count?: { readonly done: number; readonly total: number }) => void;
