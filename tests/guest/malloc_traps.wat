;; A module whose exported malloc traps: the Proto-Faaslet's heap reserve must fail its load
;; with a trap that says where, not snapshot a half-run allocator.
(module
  (memory (export "memory") 1 4)
  (func (export "malloc") (param i32) (result i32) unreachable)
  (func (export "free") (param i32))
  (func (export "_start")))
