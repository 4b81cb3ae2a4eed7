;; Memory grown during a call must be gone after the reset: the next call starts at one page,
;; grows again and finds zeros, and an access past the page traps. Wasmlet keeps the grown
;; pages resident behind PROT_NONE to spare the faults, so this checks both halves of that.
(module
  (memory 1)
  ;; 0 when all is well; 100 + size when the memory was not reset to one page; 200 when the
  ;; regrown memory was not zero.
  (func (export "grow_and_write") (result i32)
    (if (i32.ne (memory.size) (i32.const 1))
      (then (return (i32.add (i32.const 100) (memory.size)))))
    (drop (memory.grow (i32.const 4)))
    (if (i32.ne (i32.load (i32.const 131072)) (i32.const 0)) (then (return (i32.const 200))))
    (if (i32.ne (i32.load (i32.const 262244)) (i32.const 0)) (then (return (i32.const 200))))
    (i32.store (i32.const 131072) (i32.const 0xdeadbeef))
    (i32.store (i32.const 262244) (i32.const 0x12345678))
    (i32.const 0))
  ;; Reads past the first page: out of bounds unless grown.
  (func (export "read_past_first_page") (result i32)
    (i32.load (i32.const 131072))))
