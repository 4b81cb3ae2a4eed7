;; Three tables of 300,000 elements (at 24 host bytes a funcref, 21.6 MB of host memory) and
;; one to grow: tables count against the instance's memory limit.
(module
  (memory (export "memory") 1)
  (table $a 300000 funcref)
  (table $b 300000 funcref)
  (table $c 300000 funcref)
  (table $g 0 funcref)
  (func (export "grow_table") (param i32) (result i32)
    (table.grow $g (ref.null func) (local.get 0)))
  (func (export "grow_memory") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "_start")))
