import { describe, expect, it } from 'vitest';
import { bestByValidation, NO_VALIDATION_SPLIT } from '../../shared/best-epoch';

const epochs = (rows: [number | null, number][]) => rows.map(([valTop1, testTop1], i) => ({ epoch: i + 1, valTop1, testTop1 }));

describe('bestByValidation', () => {
  it('chooses the epoch with the best validation top-1 and reports its test top-1, not the best test top-1', () => {
    // Test top-1 peaks at epoch 1 (0.90); validation at epoch 3 (0.81), whose test top-1 is 0.84.
    const choice = bestByValidation(epochs([[0.7, 0.9], [0.75, 0.85], [0.81, 0.84], [0.8, 0.88]]));
    expect(choice).toEqual({ best: { epoch: 3, valTop1: 0.81, testTop1: 0.84 }, unavailable: null });
  });

  it('never looks at test: changing the test top-1 of other epochs changes nothing', () => {
    const a = bestByValidation(epochs([[0.5, 0.1], [0.6, 0.2], [0.4, 0.3]]));
    const b = bestByValidation(epochs([[0.5, 0.99], [0.6, 0.2], [0.4, 0.98]]));
    expect(a.best).toEqual({ epoch: 2, valTop1: 0.6, testTop1: 0.2 });
    expect(b.best).toEqual(a.best);
  });

  it('takes the earliest epoch on a tie', () => {
    expect(bestByValidation(epochs([[0.5, 0.1], [0.6, 0.2], [0.6, 0.9]])).best?.epoch).toBe(2);
  });

  it('has no best without validation metrics, and says why; none yet without epochs', () => {
    expect(bestByValidation(epochs([[null, 0.9], [null, 0.8]]))).toEqual({ best: null, unavailable: NO_VALIDATION_SPLIT });
    expect(NO_VALIDATION_SPLIT).toBe('no validation split');
    expect(bestByValidation(epochs([[null, 0.9], [0.5, 0.8], [null, 0.7]]))).toEqual({ best: null, unavailable: 'no validation metrics for epochs 1, 3' });
    expect(bestByValidation([])).toEqual({ best: null, unavailable: null });
  });
});
