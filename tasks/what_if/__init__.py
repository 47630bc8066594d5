"""The monitoring threshold what-if (监测范围测算): how many households would enter or leave the candidates."""
