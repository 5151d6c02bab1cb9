// A shared object that is not a Plaudit plugin: it exports no entry point.
extern "C" int plaudit_test_unrelated_function() { return 7; }
