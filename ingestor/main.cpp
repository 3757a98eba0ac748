// analytics-ingestor: see ingestor/src/service.h for the daemon, commands.h for the rest.
#include "commands.h"

int main(int argc, char** argv) { return vecton::ingestor::RunCommand(argc, argv); }
