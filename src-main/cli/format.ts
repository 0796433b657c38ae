/** A fraction as a percentage with two decimals, '-' for none: how the CLI prints accuracies. */
export const percent = (x: number | null) => (x === null ? '-' : (x * 100).toFixed(2));
