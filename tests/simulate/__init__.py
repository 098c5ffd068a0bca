"""Tests of `collabd simulate` (collabd/simulate)."""
