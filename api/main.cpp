// analytics-api: everything lives in vecton_api (src/app.cpp) so the tests link the same code.
#include "app.h"

int main(int argc, char** argv) { return vecton::api::Main(argc, argv); }
