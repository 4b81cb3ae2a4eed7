// Placeholder replaced by the Faaslet benchmark.
int main() { return 0; }
