"""Files for ``files`` sources: upload, list and delete in the organization's files folder."""
