/* fib: naive recursive Fibonacci, fib(36). */
#include <stdio.h>
#include <stdint.h>

static uint32_t fib(uint32_t n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

int main(void)
{
    /* volatile so the argument cannot be constant-folded away */
    volatile uint32_t n = 36;
    uint32_t r = fib(n);
    printf("fib %u\n", (unsigned)r);
    return 0;
}
