"""DataPress from Python: ``from datap_rs.datapress import DataPressConfig, DataPress``."""
