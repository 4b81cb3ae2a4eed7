;; Asks for 512 initial pages (32 MiB): above a small memory limit.
(module (memory (export "memory") 512) (func (export "_start")))
