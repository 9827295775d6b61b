# Exports Bioconductor's miniACC (TCGA adrenocortical carcinoma, 92 patients,
# from Debian's r-bioc-multiassayexperiment) to FedSurv's input formats:
# a TCGA-CDR-style clinical.tsv and Xena-oriented mrna.tsv, mirna.tsv and
# cnv.tsv (features as rows, sample barcodes as columns).
#
# Usage: Rscript scripts/export-miniacc.R OUTPUT_DIR
suppressMessages(library(MultiAssayExperiment))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript export-miniacc.R OUTPUT_DIR")
out <- args[[1]]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
data(miniACC)

# Clinical: OS = vital status, OS.time = days to death, else days to last follow-up.
cd <- as.data.frame(colData(miniACC))
os_time <- ifelse(!is.na(cd$vital_status) & cd$vital_status == 1, cd$days_to_death, cd$days_to_last_followup)
clinical <- data.frame(
  bcr_patient_barcode = cd$patientID,
  type = "ACC",
  age_at_initial_pathologic_diagnosis = cd$years_to_birth,
  gender = toupper(cd$gender),
  race = toupper(cd$race),
  histological_type = cd$histological_type,
  ajcc_pathologic_tumor_stage = cd$pathologic_stage,
  OS = cd$vital_status,
  OS.time = os_time,
  check.names = FALSE, stringsAsFactors = FALSE)
write.table(clinical, file.path(out, "clinical.tsv"), sep = "\t", quote = FALSE, row.names = FALSE, na = "")

write_xena <- function(assay_name, file) {
  values <- assay(experiments(miniACC)[[assay_name]])
  frame <- data.frame(sample = rownames(values), values, check.names = FALSE)
  write.table(frame, file.path(out, file), sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
}
write_xena("RNASeq2GeneNorm", "mrna.tsv")
write_xena("miRNASeqGene", "mirna.tsv")
write_xena("gistict", "cnv.tsv")
cat("wrote miniACC to", out, "\n")
