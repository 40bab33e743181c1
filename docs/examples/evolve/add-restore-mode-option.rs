// A proposed change to SavedState for docs/evolving-saved-state.md: the shipped v3
// module (schema/saved-state-v3.rs) with one change. Adds `mode: Option<RestoreMode>` at 5.

pub mod save_restore {
    extern crate alloc;

    use super::MemoryVtlType;
    use alloc::vec::Vec;
    use memory_range::MemoryRange;

    /// A local newtype wrapper that represents a [`igvm_defs::MemoryMapEntryType`].
    ///
    /// This is required to make it protobuf deriveable.
    #[derive(mesh_protobuf::Protobuf, Clone, Debug, PartialEq)]
    #[mesh(package = "openhcl.openhcl_boot")]
    pub struct IgvmMemoryType(#[mesh(1)] u16);

    impl From<igvm_defs::MemoryMapEntryType> for IgvmMemoryType {
        fn from(igvm_type: igvm_defs::MemoryMapEntryType) -> Self {
            Self(igvm_type.0)
        }
    }

    impl From<IgvmMemoryType> for igvm_defs::MemoryMapEntryType {
        fn from(igvm_type: IgvmMemoryType) -> Self {
            igvm_defs::MemoryMapEntryType(igvm_type.0)
        }
    }

    /// A memory entry describing what range of address space described as memory is
    /// used for what.
    #[derive(mesh_protobuf::Protobuf, Debug)]
    #[mesh(package = "openhcl.openhcl_boot")]
    pub struct MemoryEntry {
        /// The range of memory.
        #[mesh(1)]
        pub range: MemoryRange,
        /// The numa vnode for this range.
        #[mesh(2)]
        pub vnode: u32,
        /// The VTL type for this range.
        #[mesh(3)]
        pub vtl_type: MemoryVtlType,
        /// The IGVM type for this range, which was reported by the host originally.
        #[mesh(4)]
        pub igvm_type: IgvmMemoryType,
    }

    /// A mmio entry describing what range of address space described as mmio is
    /// used for what.
    #[derive(mesh_protobuf::Protobuf, Debug)]
    #[mesh(package = "openhcl.openhcl_boot")]
    pub struct MmioEntry {
        /// The range of mmio.
        #[mesh(1)]
        pub range: MemoryRange,
        /// The VTL type for this range, which should always be an mmio type.
        #[mesh(2)]
        pub vtl_type: MemoryVtlType,
    }

    /// The format for saved state between the previous instance of OpenHCL and the
    /// next.
    #[derive(mesh_protobuf::Protobuf, Debug)]
    #[mesh(package = "openhcl.openhcl_boot")]
    pub struct SavedState {
        /// The memory entries describing memory for the whole partition.
        #[mesh(1)]
        pub partition_memory: Vec<MemoryEntry>,
        /// The mmio entries describing mmio for the whole partition.
        #[mesh(2)]
        pub partition_mmio: Vec<MmioEntry>,
        /// The list of CPUs with mapped device interrupts present at save time
        /// that do not have outstanding IO (those CPUs are counted in
        /// `cpus_with_outstanding_io`).
        ///
        /// DEFAULT: For save state from prior versions, this will be empty.
        /// This is fine: the restore heuristics might be less optimal, but will
        /// still be functionally correct.
        #[mesh(3)]
        pub cpus_with_mapped_interrupts_no_io: Vec<u32>,
        /// The list of CPUs with mapped device interrupts present at save time,
        /// and that also have outstanding IO on that CPU.
        ///
        /// DEFAULT: For save state from prior versions, this will be empty.
        /// This is fine: the restore heuristics might be less optimal, but will
        /// still be functionally correct.
        #[mesh(4)]
        pub cpus_with_outstanding_io: Vec<u32>,
        /// How the next instance should restore; None for state from older versions.
        #[mesh(5)]
        pub mode: Option<RestoreMode>,
    }

    /// How the next instance should restore.
    #[derive(mesh_protobuf::Protobuf, Debug)]
    #[mesh(package = "openhcl.openhcl_boot")]
    pub enum RestoreMode {
        /// Restore everything at once.
        #[mesh(1)]
        Fast,
        /// Restore one CPU at a time.
        #[mesh(2)]
        Safe,
    }
}
