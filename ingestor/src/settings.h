// Every setting of analytics-ingestor, declared once. deploy/config/ingestor.yaml documents
// each key; the environment overrides the file (DATABASE_URL, AMQP_URL, ...).
#pragma once

#include <span>

#include "vecton/config.h"

namespace vecton::ingestor {

std::span<const Setting> Settings();

}  // namespace vecton::ingestor

#include "amqp/broker.h"
#include "storage/ingest.h"

namespace vecton::ingestor {

amqp::Topology TopologyFrom(const Config& config);
storage::IngestSettings IngestSettingsFrom(const Config& config);

}  // namespace vecton::ingestor
