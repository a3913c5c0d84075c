int cshims_placeholder(void) { return 0; }
