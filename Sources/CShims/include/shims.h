// Placeholder until the transport lands: Linux system calls Swift's Glibc module does not export.
#pragma once
int cshims_placeholder(void);
