"""Regenerate the Markdown and Word forms of the bundled example reports from their YAML.

Run after editing a sample's YAML, then commit the .yaml, .md and .docx together:

    python tests/mipr/generate_samples.py
"""

from __future__ import annotations

from mipr_rules.mipr.samples import SAMPLES, generated_files, sample_path


def main() -> None:
    for key in SAMPLES:
        source = sample_path(key)
        for suffix, content in generated_files(source).items():
            target = source.with_suffix(suffix)
            target.write_bytes(content)
            print(f"wrote {target}")


if __name__ == "__main__":
    main()
