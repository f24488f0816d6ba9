"""Custom customers written by authors: stored in the database, versioned, checked before publishing.

Modules:
  validation  the Persona model's errors as (field, message) pairs; YAML in and out
  catalog     PersonaCatalog: the built-in persona files and the database's custom personas, side by side
  check       the built-in check: the author's good replies must win the customer back, the bad ones drive them away
  operations  create from a template, save (a new version each time), import, export, publish, archive;
              only authors and admins (and the local user while no accounts exist) may write
"""
