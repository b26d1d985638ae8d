"""Use cases of the claim service: register, submit, approve, reject, settle, close; one transaction each."""
