/* Loops forever without calling the host; only the deadline can stop it. */
int main(void) {
  volatile unsigned long long n = 0;
  for (;;) ++n;
}
