// msgpackr loads this optional native accelerator in a try/catch: throwing makes it use its own
// JavaScript decoder. (Exporting an empty object instead makes msgpackr think acceleration is on,
// and every string of 32+ bytes then takes a slow error path: ~20 µs instead of ~0.3 µs.)
throw new Error('msgpackr-extract is replaced by a stand-in in kubus (see vendor/README.md)');
