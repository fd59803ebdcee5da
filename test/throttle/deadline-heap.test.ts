import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from '../../src/throttle/deadline-heap.js';

describe('the deadline heap', () => {
  it('pops items in deadline order, whatever the push order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(-1)), { maxLength: 200 }), (ops) => {
        const heap = new DeadlineHeap<number>();
        const model: number[] = [];
        for (const op of ops) {
          if (op >= 0) {
            heap.push(op, op);
            model.push(op);
          } else {
            model.sort((a, b) => a - b);
            expect(heap.pop()).toBe(model.shift());
          }
          model.sort((a, b) => a - b);
          expect(heap.peekDeadline()).toBe(model[0] ?? null);
          expect(heap.size).toBe(model.length);
        }
      }),
    );
  });
});
